#![no_main]
// The entry point lives in the library (vault::fuzzing), so tests/cli/fuzz_replay.rs replays the
// corpus through the same function under `cargo test`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| vault::fuzzing::run("blacklist", data));
