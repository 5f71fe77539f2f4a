"""A class at once: batch evaluation to JSONL (batch), the dean's board (board), and progress
lines on a terminal (progress)."""
