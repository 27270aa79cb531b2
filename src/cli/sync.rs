//! `ptudesk sync` (being built).

use super::{Failure, Global};
use crate::domain::time::Time;
use clap::Args;

#[derive(Args, Debug)]
pub struct SyncArgs {}

pub fn sync(_g: &Global, _a: &SyncArgs, _now: Time) -> Result<(), Failure> {
    Err(Failure::input("not built yet"))
}
