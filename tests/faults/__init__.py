"""Fault-injection suite (issue #5): crashes, hostile feeds and input, Discord faults, security."""
