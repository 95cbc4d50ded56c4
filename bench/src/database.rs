//! The engine the benchmark runs Herald on: an SQLite file per run (the default), or a fresh
//! database per run on a PostgreSQL server (`--database postgres`), dropped at the end.

use sqlx::{Connection, PgConnection};

#[derive(Clone, Debug)]
pub enum Engine {
    Sqlite,
    /// The server's maintenance URL (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
    Postgres(String),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres(_) => "PostgreSQL",
        }
    }
}

/// The fresh databases of one run.
pub struct Databases {
    engine: Engine,
    made: Vec<String>,
}

impl Databases {
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            made: Vec::new(),
        }
    }

    /// A fresh database's URL for `HERALD_DATABASE_URL`; `None` on SQLite (Herald's file in its
    /// data directory).
    pub async fn fresh(&mut self) -> anyhow::Result<Option<String>> {
        let Engine::Postgres(server) = &self.engine else {
            return Ok(None);
        };
        let name = format!("herald_bench_{}_{}", std::process::id(), self.made.len());
        let mut admin = PgConnection::connect(server).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        self.made.push(name.clone());
        let mut url = url::Url::parse(server)?;
        url.set_path(&name);
        Ok(Some(url.to_string()))
    }

    /// Drops every database this run made.
    pub async fn drop_all(&mut self) -> anyhow::Result<()> {
        let Engine::Postgres(server) = &self.engine else {
            return Ok(());
        };
        let mut admin = PgConnection::connect(server).await?;
        for name in self.made.drain(..) {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
        }
        Ok(())
    }
}

/// Herald's settings for a process on a fresh database of the run's engine.
pub(crate) async fn on_fresh_database(
    databases: &mut Databases,
    extra: &[(&'static str, &'static str)],
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut env: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
    if let Some(url) = databases.fresh().await? {
        env.push(("HERALD_DATABASE_URL", url));
        // Nodes of one database share its secret key (a throw-away one: the database is too).
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
        env.push(("HERALD_SECRET_KEY", format!("{:064x}", nanos.as_nanos())));
    }
    Ok(env)
}

pub(crate) fn refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
