//! `ptudesk plan` (being built).

use super::{Failure, Global};
use crate::domain::time::Time;
use clap::Args;

#[derive(Args, Debug)]
pub struct PlanArgs {}

pub fn plan(_g: &Global, _a: &PlanArgs, _now: Time) -> Result<(), Failure> {
    Err(Failure::input("not built yet"))
}
