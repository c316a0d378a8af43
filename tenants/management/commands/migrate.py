from tenants.management.commands.migrate_schemas import Command as MigrateFleetCommand

Command = MigrateFleetCommand
