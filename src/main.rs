fn main() {
    std::process::exit(tix::cli::main());
}
