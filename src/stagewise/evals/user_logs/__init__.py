"""`user_logs`: replay sampled, scrubbed user prompts; autorate the response and the thinking."""
