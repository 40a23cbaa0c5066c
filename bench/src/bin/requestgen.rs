//! `requestgen`: writes a request trace with planted outliers (see
//! `causeway_bench::requests`) and prints the planted event ids as JSON.
//!
//! ```text
//! requestgen --requests 600 --seed 1 [--clean] -o requests.jsonl
//! ```

use causeway_bench::requests::{Plan, generate};

fn usage() -> ! {
    eprintln!("usage: requestgen --requests N [--seed S] [--clean] -o FILE");
    std::process::exit(2)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut requests, mut seed, mut clean, mut output) = (None, 1u64, false, None);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--clean" => clean = true,
            "--requests" => requests = args.next().and_then(|v| v.parse().ok()),
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "-o" | "--output" => output = args.next(),
            _ => usage(),
        }
    }
    let (Some(requests), Some(output)) = (requests, output) else {
        usage()
    };
    let plan = if clean {
        Plan::clean(requests, seed)
    } else {
        Plan::planted(requests, seed)
    };
    let file = std::io::BufWriter::new(std::fs::File::create(&output)?);
    let planted = generate(plan, file)?;
    println!(
        "{{\"events\":{},\"fetch_calls\":{},\"slow_call\":{:?},\"wide_request\":{:?}}}",
        planted.events,
        planted.fetch_calls,
        planted.slow_call.unwrap_or_default(),
        planted.wide_request.unwrap_or_default()
    );
    Ok(())
}
