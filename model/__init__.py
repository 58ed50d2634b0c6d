"""medcoop: who cooperates with whom in Chinese hospital, university and government news."""
