"""Moving a log in and out: Strong / Hevy / our own exports parsed into import batches, and exports.

Pure code over bytes and domain records (no web, SDK or store I/O): the CLI, the MCP tools and the
`/account` page all call `parse_file` and hand the batch to the store.
"""

from workout_mcp.transfer.building import ParsedFile, Preview
from workout_mcp.transfer.problems import ImportProblem
from workout_mcp.transfer.reading import SOURCES, Source, detect, parse_file

__all__ = ["SOURCES", "ImportProblem", "ParsedFile", "Preview", "Source", "detect", "parse_file"]
