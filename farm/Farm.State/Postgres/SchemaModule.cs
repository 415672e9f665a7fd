namespace Farm.State.Postgres;

/// <summary>The tables of one feature and the SQL that makes each version of them, in order; run by <see cref="FarmSchema"/>.</summary>
/// <param name="Name">The module's name in <c>farm.schema_migrations</c>; never renamed once released.</param>
/// <param name="Migrations">Each runs once; append, never edit one that has been released.</param>
public sealed record SchemaModule(string Name, IReadOnlyList<string> Migrations);
