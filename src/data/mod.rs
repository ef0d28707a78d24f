//! The data layer: tables of leads and deals, their schema, the one CSV
//! reader and writer, Arrow conversion, output columns and atomic files.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod columns;
pub mod csv;
pub mod files;
pub mod lead;
pub mod schema;
pub mod table;

pub use schema::{ColumnKind, FeatureColumn, Schema, Target};
pub use table::{Table, Values};
