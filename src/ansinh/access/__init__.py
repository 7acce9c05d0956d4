"""Users, roles, areas and the permissions each role holds."""
