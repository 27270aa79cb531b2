use clap::Parser;
use ptudesk::cli::{Cli, Exit, run};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                std::process::exit(Exit::Ok.code());
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
            eprintln!("{}", ptudesk::safe::plain_lines(&parts.join(" ")));
            // `check` answers in the monitoring-plugin convention: 3 = could not check.
            std::process::exit(Exit::for_usage_error().code());
        }
    };
    if let Err(f) = run(cli) {
        if !f.message.is_empty() {
            eprintln!("error: {}", ptudesk::safe::plain_lines(&f.message));
        }
        std::process::exit(f.exit.code());
    }
}
