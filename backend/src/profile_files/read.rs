//! Reading an uploaded profile file while it arrives: the body's chunks feed a blocking thread
//! that parses rows (the `csv` crate, or NDJSON lines) and hands them on in batches. Memory
//! stays bounded by the channels, one batch and one row, whatever the file's size.

use bytes::Bytes;
use domain::profile_import::{
    CsvColumns, FileFormat, ImportRow, MAX_ROW_BYTES, RowError, ndjson_row,
};
use futures::{Stream, StreamExt};
use std::collections::HashSet;
use std::io::{self, BufRead, Read};
use std::time::Duration;
use tokio::sync::mpsc;

/// Rows committed together.
pub const BATCH_ROWS: usize = 2000;
/// An upload that sends nothing for this long is cut.
const STALL: Duration = Duration::from_secs(30);

/// Parsed rows, in file order; `last_row` is the number of the last row read.
pub struct Batch {
    pub rows: Vec<Result<ImportRow, RowError>>,
    pub last_row: u64,
}

/// How reading ended when it did not reach the end of the file.
pub enum Stop {
    /// The file cannot be imported at all (its header); nothing was read.
    Invalid(RowError),
    /// The upload broke off, stalled or sent a row too large: the rows read so far count.
    Cut(String),
}

pub type Item = Result<Batch, Stop>;

/// Starts reading `body`; rows numbered up to `skip_through` (a resumed import) are skipped
/// unread. The receiver ends after the last batch, or with a [`Stop`] (after a batch of the
/// rows read whole before the upload broke off).
pub fn start<S, E>(
    format: FileFormat,
    body: S,
    namespaces: HashSet<String>,
    skip_through: u64,
) -> mpsc::Receiver<Item>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let (chunks_tx, chunks_rx) = mpsc::channel::<io::Result<Bytes>>(8);
    let (batches_tx, batches_rx) = mpsc::channel::<Item>(2);
    tokio::spawn(pump(body, chunks_tx));
    tokio::task::spawn_blocking(move || {
        let source = Source {
            chunks: chunks_rx,
            current: Bytes::new(),
            since_row: 0,
        };
        let mut out = Out {
            tx: batches_tx,
            batch: Vec::with_capacity(BATCH_ROWS),
            skip_through,
            last_row: skip_through,
        };
        let is_namespace = |ns: &str| namespaces.contains(ns);
        let ended = match format {
            FileFormat::Csv => read_csv(source, &is_namespace, &mut out),
            FileFormat::Ndjson => read_ndjson(source, &is_namespace, &mut out),
        };
        match ended {
            Ok(last_row) => {
                out.flush(last_row);
            }
            Err(stop) => {
                // The rows read whole before the upload broke off are kept.
                if matches!(stop, Stop::Cut(_)) {
                    out.flush(out.last_row);
                }
                let _ = out.tx.blocking_send(Err(stop));
            }
        }
    });
    batches_rx
}

/// Moves the body's chunks to the parser; ends with an error if the body fails or stalls.
async fn pump<S, E>(body: S, tx: mpsc::Sender<io::Result<Bytes>>)
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let mut body = std::pin::pin!(body);
    loop {
        let next = match tokio::time::timeout(STALL, body.next()).await {
            Ok(None) => return,
            Ok(Some(Ok(chunk))) => Ok(chunk),
            Ok(Some(Err(e))) => Err(io::Error::other(format!("the upload broke off: {e}"))),
            Err(_) => Err(io::Error::other(format!(
                "the upload sent nothing for {} s",
                STALL.as_secs()
            ))),
        };
        let failed = next.is_err();
        if tx.send(next).await.is_err() || failed {
            return;
        }
    }
}

/// The upload as `Read`, refusing a row larger than [`MAX_ROW_BYTES`] (plus the parser's
/// read-ahead) so one endless line cannot fill memory.
struct Source {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
    since_row: usize,
}

impl Source {
    fn row_done(&mut self) {
        self.since_row = 0;
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                None => return Ok(0),
                Some(chunk) => self.current = chunk?,
            }
        }
        if self.since_row > MAX_ROW_BYTES + 64 * 1024 {
            return Err(io::Error::other(format!(
                "a row is larger than {} KB",
                MAX_ROW_BYTES / 1024
            )));
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        self.since_row += n;
        Ok(n)
    }
}

struct Out {
    tx: mpsc::Sender<Item>,
    batch: Vec<Result<ImportRow, RowError>>,
    skip_through: u64,
    /// The last row read whole.
    last_row: u64,
}

impl Out {
    /// Takes a row; `false` when no one listens any more.
    fn push(
        &mut self,
        row: u64,
        parsed: impl FnOnce() -> Option<Result<ImportRow, RowError>>,
    ) -> bool {
        if row <= self.skip_through {
            return true;
        }
        self.last_row = row;
        if let Some(parsed) = parsed() {
            self.batch.push(parsed);
        }
        if self.batch.len() < BATCH_ROWS {
            return true;
        }
        self.flush(row)
    }

    fn flush(&mut self, last_row: u64) -> bool {
        if self.batch.is_empty() && last_row <= self.skip_through {
            return true;
        }
        let rows = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        self.tx.blocking_send(Ok(Batch { rows, last_row })).is_ok()
    }
}

fn cut(e: &io::Error) -> Stop {
    Stop::Cut(e.to_string())
}

fn not_utf8(row: u64) -> RowError {
    RowError::new(row, "", "is not UTF-8 text: save the file as UTF-8")
}

fn read_csv(
    source: Source,
    is_namespace: &dyn Fn(&str) -> bool,
    out: &mut Out,
) -> Result<u64, Stop> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(source);
    let mut record = csv::ByteRecord::new();
    let header_read = reader.read_byte_record(&mut record).map_err(csv_stop)?;
    if !header_read {
        return Err(Stop::Invalid(RowError::new(1, "", "the file is empty")));
    }
    let header: Vec<&str> = record
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<_, _>>()
        .map_err(|_| Stop::Invalid(not_utf8(1)))?;
    let columns = CsvColumns::from_header(header, is_namespace).map_err(Stop::Invalid)?;
    let mut row = 1;
    loop {
        reader.get_mut().row_done();
        if !reader.read_byte_record(&mut record).map_err(csv_stop)? {
            return Ok(row);
        }
        row += 1;
        let parsed = || {
            Some(
                match record
                    .iter()
                    .map(std::str::from_utf8)
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(cells) => columns.row(row, cells.into_iter()),
                    Err(_) => Err(not_utf8(row)),
                },
            )
        };
        if !out.push(row, parsed) {
            return Ok(row);
        }
    }
}

fn csv_stop(e: csv::Error) -> Stop {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => cut(&e),
        other => Stop::Cut(format!("{other:?}")),
    }
}

fn read_ndjson(
    source: Source,
    is_namespace: &dyn Fn(&str) -> bool,
    out: &mut Out,
) -> Result<u64, Stop> {
    let mut reader = io::BufReader::new(source);
    let mut line = Vec::new();
    let mut row = 0;
    loop {
        line.clear();
        reader.get_mut().row_done();
        if reader.read_until(b'\n', &mut line).map_err(|e| cut(&e))? == 0 {
            return Ok(row);
        }
        row += 1;
        let parsed = || match std::str::from_utf8(&line) {
            Ok(text) => ndjson_row(row, text, is_namespace),
            Err(_) => Some(Err(not_utf8(row))),
        };
        if !out.push(row, parsed) {
            return Ok(row);
        }
    }
}
