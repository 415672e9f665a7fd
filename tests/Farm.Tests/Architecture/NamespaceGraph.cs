using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Farm.Tests.Architecture;

/// <summary>
/// Which namespace of an assembly uses which other, read from the compiled code (signatures, base types, attributes and
/// every method body), so that a use through a parent namespace, without a <c>using</c>, counts too. Compiler-made
/// types (closures, async state machines) count for the namespace of the type they were made for.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, HashSet<string>> _edges = [];
    private readonly Dictionary<string, HashSet<string>> _usersOfAssembly = [];

    private NamespaceGraph(string assemblyName) => AssemblyName = assemblyName;

    public string AssemblyName { get; }

    public IReadOnlyDictionary<string, HashSet<string>> Edges => _edges;

    /// <summary>The namespaces of this assembly that use a type of <paramref name="assembly"/>.</summary>
    public IReadOnlySet<string> UsersOf(string assembly) => _usersOfAssembly.GetValueOrDefault(assembly) ?? [];

    public static NamespaceGraph Read(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var graph = new NamespaceGraph(module.Assembly.Name.Name);
        foreach (var type in module.GetTypes())
        {
            var from = NamespaceOf(type);
            if (from.Length == 0)
            {
                continue; // <Module> and compiler-made top-level types
            }

            graph.Add(from, type.BaseType);
            foreach (var i in type.Interfaces)
            {
                graph.Add(from, i.InterfaceType);
            }

            foreach (var field in type.Fields)
            {
                graph.Add(from, field.FieldType);
            }

            foreach (var property in type.Properties)
            {
                graph.Add(from, property.PropertyType);
            }

            foreach (var method in type.Methods)
            {
                graph.AddMethod(from, method);
            }
        }

        return graph;
    }

    /// <summary>Every set of namespaces that use each other, directly or round a loop (Tarjan's strongly connected components).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();
        var next = 0;

        void Visit(string node)
        {
            index[node] = low[node] = next++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in _edges.GetValueOrDefault(node) ?? [])
            {
                if (!index.TryGetValue(to, out var seen))
                {
                    Visit(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
                else if (onStack.Contains(to))
                {
                    low[node] = Math.Min(low[node], seen);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    cycles.Add([.. component.Order(StringComparer.Ordinal)]);
                }
            }
        }

        foreach (var node in _edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return cycles;
    }

    private void AddMethod(string from, MethodDefinition method)
    {
        Add(from, method.ReturnType);
        foreach (var parameter in method.Parameters)
        {
            Add(from, parameter.ParameterType);
        }

        foreach (var attribute in method.CustomAttributes)
        {
            Add(from, attribute.AttributeType);
        }

        if (!method.HasBody)
        {
            return;
        }

        foreach (var variable in method.Body.Variables)
        {
            Add(from, variable.VariableType);
        }

        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case TypeReference type:
                    Add(from, type);
                    break;
                case MethodReference called:
                    Add(from, called.DeclaringType);
                    if (called is GenericInstanceMethod generic)
                    {
                        foreach (var argument in generic.GenericArguments)
                        {
                            Add(from, argument);
                        }
                    }

                    break;
                case FieldReference field:
                    Add(from, field.DeclaringType);
                    break;
                case Instruction or Instruction[] or string or null or ValueType or VariableDefinition or ParameterDefinition or CallSite:
                    break;
            }
        }
    }

    /// <summary>An edge to a type of this same assembly (others are the project graph's business).</summary>
    private void Add(string from, TypeReference? type)
    {
        switch (type)
        {
            case null or GenericParameter:
                return;
            case GenericInstanceType generic:
                Add(from, generic.ElementType);
                foreach (var argument in generic.GenericArguments)
                {
                    Add(from, argument);
                }

                return;
            case TypeSpecification specification:
                Add(from, specification.ElementType);
                return;
        }

        if (type.Scope is AssemblyNameReference other)
        {
            if (!_usersOfAssembly.TryGetValue(other.Name, out var users))
            {
                _usersOfAssembly[other.Name] = users = [];
            }

            users.Add(from);
            return;
        }

        if (type.Scope is not ModuleDefinition)
        {
            return;
        }

        var to = NamespaceOf(type);
        if (to.Length == 0 || to == from)
        {
            return;
        }

        if (!_edges.TryGetValue(from, out var targets))
        {
            _edges[from] = targets = [];
        }

        targets.Add(to);
    }

    private static string NamespaceOf(TypeReference type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type.Namespace;
    }
}
