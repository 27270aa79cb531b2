//! `ptudesk check`, `ack`, `unack` (being built).

use super::{Failure, Global};
use crate::domain::time::Time;
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {}
#[derive(Args, Debug)]
pub struct AckArgs {}
#[derive(Args, Debug)]
pub struct UnackArgs {}

pub fn check(_g: &Global, _a: &CheckArgs, _now: Time) -> Result<(), Failure> {
    Err(Failure::input("not built yet"))
}
pub fn ack(_g: &Global, _a: &AckArgs, _now: Time) -> Result<(), Failure> {
    Err(Failure::input("not built yet"))
}
pub fn unack(_g: &Global, _a: &UnackArgs) -> Result<(), Failure> {
    Err(Failure::input("not built yet"))
}
