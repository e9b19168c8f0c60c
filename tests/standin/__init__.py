"""A faithful local stand-in for the parts of Supabase this server talks to (see DESIGN.md)."""
