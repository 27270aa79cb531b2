use clap::Parser;
use ptudesk::cli::{Cli, run};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                std::process::exit(0);
            }
            // Bad input on the command line is bad input like any other:
            // one line (clap's first), exit 1.
            let text = e.to_string();
            let parts: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with("Usage:")
                        && !l.starts_with("For more information")
                })
                .collect();
            eprintln!("{}", ptudesk::report::safe::plain_lines(&parts.join(" ")));
            // `check` answers in the monitoring-plugin convention: 3 = could not check.
            let is_check = std::env::args()
                .skip(1)
                .find(|a| !a.starts_with('-'))
                .is_some_and(|a| a == "check");
            std::process::exit(if is_check { 3 } else { 1 });
        }
    };
    if let Err(f) = run(cli) {
        if !f.message.is_empty() {
            eprintln!("error: {}", ptudesk::report::safe::plain_lines(&f.message));
        }
        std::process::exit(f.code);
    }
}
