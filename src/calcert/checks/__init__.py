"""Rules over a loaded register: every rule runs, each problem is a finding."""
