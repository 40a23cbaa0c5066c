//! `tracegen`: writes a valid Causeway v1 trace of a chosen shape and size,
//! the same bytes for the same seed (see `causeway_bench::generator`).
//!
//! ```text
//! tracegen --shape typical --events 1000000 --seed 1 -o typical-1m.jsonl
//! ```

use causeway_bench::generator::{Profile, Shape, generate};

fn usage() -> ! {
    eprintln!(
        "usage: tracegen --shape typical|hot-variable|many-traces|deep|clocks --events N [--seed S] [--threads T] [--variables V] [--locked F] [--messages F] [--calls F] -o FILE"
    );
    std::process::exit(2)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut shape, mut events, mut seed, mut output) = (None, None, 1u64, None);
    let mut overrides: Vec<(String, String)> = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--shape" => shape = Some(Shape::parse(&value).unwrap_or_else(|| usage())),
            "--events" => events = value.parse::<u64>().ok(),
            "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
            "-o" | "--output" => output = Some(value),
            "--threads" | "--variables" | "--locked" | "--messages" | "--calls" => {
                overrides.push((flag, value))
            }
            _ => usage(),
        }
    }
    let (Some(shape), Some(events), Some(output)) = (shape, events, output) else {
        usage()
    };
    let mut profile = Profile::of(shape, events);
    for (flag, value) in overrides {
        match flag.as_str() {
            "--threads" => profile.threads = value.parse().unwrap_or_else(|_| usage()),
            "--variables" => profile.variables = value.parse().unwrap_or_else(|_| usage()),
            "--locked" => profile.locked = value.parse().unwrap_or_else(|_| usage()),
            "--messages" => profile.messages = value.parse().unwrap_or_else(|_| usage()),
            "--calls" => profile.calls = value.parse().unwrap_or_else(|_| usage()),
            _ => unreachable!("only the flags above are collected"),
        }
    }
    if profile.threads < 2 || profile.variables == 0 || profile.locks == 0 {
        usage()
    }
    let file = std::fs::File::create(&output)?;
    generate(
        profile,
        events,
        seed,
        std::io::BufWriter::with_capacity(1 << 20, file),
    )?;
    eprintln!("{events} events written to {output}");
    Ok(())
}
