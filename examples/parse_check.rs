fn main() {
    let p = std::env::args().nth(1).unwrap();
    match ptudesk::ingest::snapshot::load(std::path::Path::new(&p)) {
        Ok(e) => println!(
            "ok: {} deployments\n{}",
            e.deployments.len(),
            ptudesk::ingest::snapshot::to_json(&e)
        ),
        Err(e) => println!("ERR {e}"),
    }
}
