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
            eprintln!("{}", parts.join(" "));
            std::process::exit(1);
        }
    };
    if let Err(f) = run(cli) {
        eprintln!("error: {}", f.message);
        std::process::exit(f.code);
    }
}
