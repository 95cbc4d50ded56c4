//! Profile files: imports (CSV or NDJSON, streamed, resumable, idempotent) and exports of a
//! sandbox's profiles or an audience. What a row means is [`domain::profile_import`]'s.
//!
//! Invariants:
//! - An upload is read while it arrives; memory is bounded by a batch of rows, whatever the
//!   file's size ([`read`]).
//! - Each batch commits with the import's checkpoint (the last row it covers); an upload cut
//!   short loses no committed row, and sending the same file again with the import's id goes on
//!   after the checkpoint. Importing a file again without the id changes nothing either: rows
//!   lay their attributes over the stored ones, which are then equal.
//! - A row's identities all name one profile (or none, and it is created); a row whose
//!   identities belong to different profiles is refused, never merged.

mod export;
mod import;
mod read;

pub use import::ImportRequest;
