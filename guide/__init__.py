"""The guide officer's (導辦員) console: a live view of the hall and the guide's commands."""
