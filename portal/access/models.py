"""Access transparency: every staff view of a person's data, with its purpose."""
