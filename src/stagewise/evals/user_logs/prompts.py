"""Fixed judge text (the rubrics themselves are files in `stagewise/rubrics/`)."""

WHAT_RESPONSE = "the assistant's final response to the user (inside the `text` tags)"
WHAT_THINKING = "the assistant's private reasoning (thinking) before its response (inside the `text` tags)"
