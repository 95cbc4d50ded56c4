//! The figures of the last recorded run, kept in `docs/bench-record.json` (one entry per
//! subcommand and engine), so a run prints its own figures next to them and a regression shows
//! in the table itself. `--record` replaces the entry with this run's figures, to be committed
//! with the change they measure.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

/// Which way a figure improves.
#[derive(Clone, Copy)]
pub enum Better {
    Higher,
    Lower,
}

/// One figure of a run.
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub better: Better,
}

impl Figure {
    pub fn higher(name: impl Into<String>, value: f64) -> Self {
        Self {
            name: name.into(),
            value,
            better: Better::Higher,
        }
    }

    pub fn lower(name: impl Into<String>, value: f64) -> Self {
        Self {
            name: name.into(),
            value,
            better: Better::Lower,
        }
    }
}

/// A move smaller than this is within this machine's run-to-run noise.
const NOISE: f64 = 0.10;

fn path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/bench-record.json"
    ))
}

/// Prints `figures` against the recorded ones of `run` (e.g. "delivery/SQLite"); with `record`,
/// makes them the recorded ones.
pub fn compare(run: &str, figures: &[Figure], record: bool) -> anyhow::Result<()> {
    let mut all: Value = std::fs::read_to_string(path())
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| json!({}));
    let recorded = all.get(run).cloned().unwrap_or(Value::Null);
    println!(
        "\n### Against the recorded run ({})\n\n| figure | this run | recorded | change |\n|---|---|---|---|",
        match (recorded["commit"].as_str(), recorded["date"].as_str()) {
            (Some(commit), Some(date)) => format!("{commit}, {date}"),
            _ => "none recorded yet".into(),
        }
    );
    for f in figures {
        let before = recorded["figures"][&f.name].as_f64();
        println!(
            "| {} | {} | {} | {} |",
            f.name,
            shown(f.value),
            before.map_or("—".into(), shown),
            before.map_or("—".into(), |b| change(f, b)),
        );
    }
    if record {
        let figures: serde_json::Map<String, Value> = figures
            .iter()
            .map(|f| (f.name.clone(), json!((f.value * 10.0).round() / 10.0)))
            .collect();
        all[run] = json!({"commit": commit(), "date": today(), "figures": figures});
        std::fs::write(path(), serde_json::to_string_pretty(&all)? + "\n")?;
        println!("\n(recorded in docs/bench-record.json)");
    }
    Ok(())
}

fn shown(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The relative change, flagged when it is a regression beyond the noise.
fn change(f: &Figure, before: f64) -> String {
    if before == 0.0 {
        return "—".into();
    }
    let moved = (f.value - before) / before;
    let worse = match f.better {
        Better::Higher => moved < -NOISE,
        Better::Lower => moved > NOISE,
    };
    format!(
        "{:+.0} %{}",
        100.0 * moved,
        if worse { " **worse**" } else { "" }
    )
}

fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or("unknown".into(), |o| {
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        })
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regression_beyond_the_noise_is_flagged_either_way() {
        assert_eq!(change(&Figure::higher("x", 80.0), 100.0), "-20 % **worse**");
        assert_eq!(change(&Figure::higher("x", 95.0), 100.0), "-5 %");
        assert_eq!(
            change(&Figure::lower("p99", 130.0), 100.0),
            "+30 % **worse**"
        );
        assert_eq!(change(&Figure::lower("p99", 70.0), 100.0), "-30 %");
    }
}
