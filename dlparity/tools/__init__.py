"""The tools: runs, bench, tune, sweep, report, plots, show, notebooks, checkpoint files."""
