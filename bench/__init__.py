"""Benchmarks: `python -m bench.run` compares the bare MCP SDK with the full workout-mcp stack."""
