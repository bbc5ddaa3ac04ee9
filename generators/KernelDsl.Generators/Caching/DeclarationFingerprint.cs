using System;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelDsl.Generators.Caching;

/// <summary>
/// Everything outside a kernel's own text that binding its body can depend on: each file's
/// declarations (usings, namespaces, type and member signatures, attributes, field and enum
/// initializers — every token except those inside member bodies and top-level statements), each
/// file's parse options, the compilation's options and its references. Nothing declared inside a
/// member body is visible to another member, so two compilations with equal fingerprints bind an
/// unchanged kernel identically; that is what lets <see cref="KernelSpecCache"/> skip re-binding the
/// kernels an edit did not touch.
/// </summary>
internal sealed class DeclarationFingerprint : IEquatable<DeclarationFingerprint>
{
    private static readonly ConditionalWeakTable<SyntaxTree, TreeDeclarations> TreeCache = new();
    private static readonly ConditionalWeakTable<Compilation, DeclarationFingerprint> CompilationCache = new();

    private readonly ImmutableArray<TreeDeclarations> trees;
    private readonly ImmutableArray<MetadataReference> references;
    private readonly CompilationOptions options;

    private DeclarationFingerprint(ImmutableArray<TreeDeclarations> trees, ImmutableArray<MetadataReference> references, CompilationOptions options)
    {
        this.trees = trees;
        this.references = references;
        this.options = options;
    }

    /// <summary>The fingerprint of <paramref name="compilation"/>; unchanged files reuse their earlier hash.</summary>
    public static DeclarationFingerprint Of(Compilation compilation)
        => CompilationCache.GetValue(compilation, static c => new DeclarationFingerprint(
            c.SyntaxTrees.Select(tree => TreeCache.GetValue(tree, TreeDeclarations.Read)).ToImmutableArray(),
            c.References.ToImmutableArray(),
            c.Options));

    public bool Equals(DeclarationFingerprint? other)
        => other is not null
            && options.Equals(other.options)
            // A rebuilt reference is a new MetadataReference object, so references compare by identity.
            && references.SequenceEqual(other.references, ReferenceEqualityComparer.Instance)
            && trees.SequenceEqual(other.trees);

    public override bool Equals(object? obj) => Equals(obj as DeclarationFingerprint);

    public override int GetHashCode() => trees.Length;

    /// <summary>One file's declarations, as a 64-bit hash of its declaration tokens.</summary>
    private sealed class TreeDeclarations : IEquatable<TreeDeclarations>
    {
        private readonly string path;
        private readonly ParseOptions parseOptions;
        private readonly ulong hash;

        private TreeDeclarations(string path, ParseOptions parseOptions, ulong hash)
        {
            this.path = path;
            this.parseOptions = parseOptions;
            this.hash = hash;
        }

        public static TreeDeclarations Read(SyntaxTree tree)
        {
            // FNV-1a over the declaration tokens' text, with a separator so that "a b" and "ab" differ.
            ulong hash = 14695981039346656037UL;
            foreach (SyntaxToken token in tree.GetRoot().DescendantTokens(descendIntoChildren: static node => !IsBody(node)))
            {
                foreach (char c in token.Text)
                {
                    hash = (hash ^ c) * 1099511628211UL;
                }

                hash = (hash ^ 0xFFFF) * 1099511628211UL;
            }

            return new TreeDeclarations(tree.FilePath, tree.Options, hash);
        }

        /// <summary>A member's body or a top-level statement: code no other member can see into.</summary>
        private static bool IsBody(SyntaxNode node) => node switch
        {
            GlobalStatementSyntax => true,
            BlockSyntax or ArrowExpressionClauseSyntax => node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or BasePropertyDeclarationSyntax,
            _ => false,
        };

        public bool Equals(TreeDeclarations? other)
            => other is not null && hash == other.hash && path == other.path && parseOptions.Equals(other.parseOptions);

        public override bool Equals(object? obj) => Equals(obj as TreeDeclarations);

        public override int GetHashCode() => (int)hash;
    }

    private sealed class ReferenceEqualityComparer : System.Collections.Generic.IEqualityComparer<MetadataReference>
    {
        public static readonly ReferenceEqualityComparer Instance = new();

        public bool Equals(MetadataReference? x, MetadataReference? y) => ReferenceEquals(x, y);

        public int GetHashCode(MetadataReference obj) => RuntimeHelpers.GetHashCode(obj);
    }
}
