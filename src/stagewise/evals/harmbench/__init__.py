"""HarmBench: attack success rate of direct requests for harmful behaviors."""
