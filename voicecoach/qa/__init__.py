"""QA mode: many calls scored into a result store, exported and summarised."""
