//! Posting to a webhook (`check --notify`, `notify`): a JSON body, a
//! time limit, redirects kept to the same origin, and whether a failed post
//! may have arrived all the same.

/// Why a post failed, and whether the body may have reached the endpoint.
pub(super) struct PostFailure {
    pub why: String,
    pub arrived_maybe: bool,
}

/// How long a webhook may take to answer: `PTUDESK_WEBHOOK_TIMEOUT`
/// seconds, else 15.
pub(super) fn webhook_timeout() -> std::time::Duration {
    std::env::var("PTUDESK_WEBHOOK_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(
            std::time::Duration::from_secs(15),
            std::time::Duration::from_secs,
        )
}

/// The scheme, host and port of a URL: what a redirect must keep.
fn origin(uri: &ureq::http::Uri) -> Option<(String, String, u16)> {
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some((scheme, host, port))
}

/// Posts a JSON body. A 2xx answer is success. Redirects are not followed
/// (a 301/302/303 turns a POST into a GET without the body), except one
/// 307 or 308 to the same scheme, host and port, posted again with the
/// body. Anything else fails: whether the body may have arrived decides if
/// the claim is kept.
pub(super) fn post(url: &str, body: &str) -> Result<(), PostFailure> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(webhook_timeout()))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut target = url.to_string();
    for hop in 0..2 {
        let answer = agent
            .post(&target)
            .header("Content-Type", "application/json")
            .send(body);
        let resp = match answer {
            Ok(r) => r,
            Err(e) => {
                use ureq::Error as E;
                use ureq::Timeout as T;
                let unsent = match &e {
                    E::HostNotFound
                    | E::ConnectionFailed
                    | E::BadUri(_)
                    | E::Http(_)
                    | E::InvalidProxyUrl
                    | E::Tls(_)
                    | E::Timeout(T::Resolve | T::Connect) => true,
                    E::Io(io) => matches!(
                        io.kind(),
                        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
                    ),
                    _ => false,
                };
                let why = match &e {
                    E::Timeout(_) => {
                        format!("no answer within {} s ({e})", webhook_timeout().as_secs())
                    }
                    _ => e.to_string(),
                };
                return Err(PostFailure {
                    why,
                    arrived_maybe: !unsent,
                });
            }
        };
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let refused = |why: String| PostFailure {
            why,
            arrived_maybe: false,
        };
        if !matches!(status, 307 | 308) || hop > 0 {
            return Err(refused(if (300..400).contains(&status) {
                format!("answered {status} (a redirect: not followed)")
            } else {
                format!("answered {status}")
            }));
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let from: ureq::http::Uri = target
            .parse()
            .map_err(|e| refused(format!("bad URL: {e}")))?;
        let next = if location.starts_with('/') && !location.starts_with("//") {
            let (scheme, host, port) =
                origin(&from).ok_or_else(|| refused("bad URL".to_string()))?;
            format!("{scheme}://{host}:{port}{location}")
        } else {
            location.clone()
        };
        let to: Option<ureq::http::Uri> = next.parse().ok();
        match to.as_ref().and_then(origin) {
            Some(o) if Some(&o) == origin(&from).as_ref() => target = next,
            _ => {
                return Err(refused(format!(
                    "answered {status} to {location:?}, another origin (not followed)"
                )));
            }
        }
    }
    unreachable!("the loop returns on its second hop")
}
