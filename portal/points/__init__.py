"""Points: the append-only ledger every domain awards through; balances are sums."""
