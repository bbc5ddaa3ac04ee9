using System.Collections.Generic;
using System.Linq;
using KernelDsl.Compiler.Fusion;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;
using KernelDsl.Generators.Diagnostics;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// Runs the compiler's shape inference and fusion planning on a freshly lowered kernel and turns
/// their errors into diagnostics on the sub-expression at fault (KD0001-KD0003 for shape errors,
/// KD0005 for what the compiler cannot fuse yet). A kernel without declared shapes reaches here
/// with shapes only if it needs them (<see cref="VectorShapes"/>).
/// </summary>
internal static class ShapeDiagnostics
{
    /// <param name="declaredResult">The kernel's <c>[return: Shape(...)]</c>, checked against the inferred result (KD0004) at <paramref name="returnLocation"/>.</param>
    public static IEnumerable<DiagnosticInfo> Check(KernelGraph graph, int[] graphIndex, IReadOnlyDictionary<int, LocationInfo?> builderLocations, LocationInfo? kernelLocation,
        Shape? declaredResult = null, LocationInfo? returnLocation = null)
    {
        // Builder indices → graph indices (Build renumbers and drops dead nodes).
        var locations = new Dictionary<int, LocationInfo?>();
        foreach (KeyValuePair<int, LocationInfo?> entry in builderLocations)
        {
            if (entry.Key < graphIndex.Length && graphIndex[entry.Key] >= 0)
            {
                locations[graphIndex[entry.Key]] = entry.Value;
            }
        }

        LocationInfo? At(int node) => locations.TryGetValue(node, out LocationInfo? location) && location is not null ? location : kernelLocation;

        if (!ShapeInference.IsShaped(graph))
        {
            yield break; // elementwise only (VectorShapes gives any other kernel shapes)
        }

        ShapeInferenceResult inferred = ShapeInference.Infer(graph);
        foreach (ShapeError error in inferred.Errors)
        {
            var descriptor = error.Kind switch
            {
                ShapeErrorKind.Broadcast => KernelDiagnostics.BroadcastMismatch,
                ShapeErrorKind.Contraction => KernelDiagnostics.ContractionMismatch,
                ShapeErrorKind.Reshape => KernelDiagnostics.ReshapeMismatch,
                ShapeErrorKind.Concat => KernelDiagnostics.ConcatOrChunkMismatch,
                _ => KernelDiagnostics.AxisOutOfRange,
            };
            yield return DiagnosticInfo.Create(descriptor, At(error.Node), error.Message);
        }

        if (!inferred.Succeeded)
        {
            yield break;
        }

        if (declaredResult is not null && inferred.Shapes[graph.Output] is Shape result && ResultMismatch(result, declaredResult) is string mismatch)
        {
            // Which side is wrong is the user's call; the fix offers the inferred shape as the declaration.
            DiagnosticInfo diagnostic = DiagnosticInfo.Create(KernelDiagnostics.ReturnShapeMismatch, returnLocation ?? kernelLocation, mismatch);
            yield return result.Rank == 0 ? diagnostic : diagnostic
                .WithProperty(FixProperties.Fix, FixProperties.FixDeclareResultShape)
                .WithProperty(FixProperties.Replacement, string.Join(FixProperties.DimensionSeparator, result.Dims.Select(Spelling)));
            yield break;
        }

        (_, IReadOnlyList<PlanError> planErrors) = NdPlanner.Plan(graph, inferred.Shapes);
        foreach (PlanError error in planErrors)
        {
            yield return DiagnosticInfo.Create(KernelDiagnostics.UnsupportedConstruct, At(error.Node), error.Construct, error.Hint);
        }
    }

    /// <summary>A dimension as a <c>[Shape]</c> spells it: its symbol, its product (<c>H*D</c>) or its size.</summary>
    private static string Spelling(Dim dim) => dim.Symbol ?? dim.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Why the inferred result shape is not the declared one (for every binding of the symbols), or null if it is.</summary>
    internal static string? ResultMismatch(Shape result, Shape declared)
    {
        string prefix = $"the result has shape {result}, but [return: Shape] declares {declared}";
        if (result.Rank != declared.Rank)
        {
            return $"{prefix}: rank {result.Rank} is not rank {declared.Rank}";
        }

        for (int axis = 0; axis < result.Rank; axis++)
        {
            Dim actual = result.Dims[axis], expected = declared.Dims[axis];
            if (!Dim.ProvablyEqual(actual, expected))
            {
                return Broadcasting.Classify(actual, expected) != BroadcastConflict.NotProvablyEqual
                    ? $"{prefix}: {actual} and {expected} differ (dimension {axis})"
                    : $"{prefix}: {actual} and {expected} are not known to be equal (dimension {axis}); use the same symbol or size in both";
            }
        }

        return null;
    }
}
