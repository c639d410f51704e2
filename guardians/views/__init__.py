"""Read-only views of an epic for people: the timeline, the status board, the HTML report, rendering."""
