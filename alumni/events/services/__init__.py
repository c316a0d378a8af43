"""Every write of the events app, one module per area (events, registrations, tickets, checkin,
seating, draws, community)."""
