"""Risk warning (风险预警): rule models over the graph, their alerts and the alert workflow."""
