"""One module per subcommand; each exposes `run(args, console) -> exit code`."""
