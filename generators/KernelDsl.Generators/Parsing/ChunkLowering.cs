using System.Linq;
using KernelDsl.Compiler.Graph;
using KernelDsl.Compiler.Shapes;

namespace KernelDsl.Generators.Parsing;

/// <summary>
/// <c>Chunk(x, chunks, index, axis)</c> as views, for both front ends: of a literal size, a slice;
/// of a symbolic one, the axis split in two by a reshape (<c>[..., 2*D]</c> to <c>[..., 2, D]</c>),
/// one slice of the new axis, and a reshape that drops it (a slice's start and length are literals).
/// A symbolic size splits only where a dimension can name the parts: its literal factor must be a
/// multiple of the chunks (<c>2*D</c> halves into <c>D</c>; <c>D</c> does not), and a sum's every
/// term's (<c>2*D+2</c> halves into <c>D+1</c>).
/// </summary>
internal static class ChunkLowering
{
    /// <summary>The node, or null with <paramref name="problem"/> set when the chunk cannot be taken.</summary>
    public static int? Lower(GraphBuilder builder, int x, int chunks, int index, int axis, out string? problem)
    {
        problem = null;
        if (ReductionLowering.ShapeOf(builder, x) is not Shape shape)
        {
            // Shapes unknown: an operand with its own error (reported there), or a kernel without
            // [Shape], lowered again with vector shapes because this call needs axes.
            return builder.Slice(x, axis, 0, 0);
        }

        int rank = shape.Rank;
        int along = axis < 0 ? axis + rank : axis;
        if (rank == 0 || along < 0 || along >= rank)
        {
            problem = $"axis {axis} is out of range for {shape}, which has rank {rank} (valid axes: -{rank} to {rank - 1})";
            return null;
        }

        if (chunks < 1 || index < 0 || index >= chunks)
        {
            problem = chunks < 1 ? $"Chunk needs at least one chunk, not {chunks}" : $"chunk {index} of {chunks} does not exist (chunks are numbered 0 to {chunks - 1})";
            return null;
        }

        Dim size = shape.Dims[along];
        if (Dim.Divide(size, chunks) is null)
        {
            problem = $"cannot split dimension {along} of {shape}, {size}, into {chunks} equal chunks: " + (size.IsLiteral
                ? $"{size} is not a multiple of {chunks}"
                : size.IsSum
                ? $"a chunk's size must have a name, so each term of the sum must be a multiple of {chunks}"
                : $"a chunk's size must have a name, so the dimension must be a multiple of {chunks} such as {Dim.Product(chunks, size.Factors)}");
            return null;
        }

        if (size.IsLiteral && size.Size <= int.MaxValue)
        {
            // A literal size: the chunk is a plain slice, read in place. (A slice's bounds are ints; a
            // size past them takes the reshape below, as a symbolic one does.)
            long part = size.Size / chunks;
            return builder.Slice(x, along, checked((int)(index * part)), checked((int)part));
        }

        if (along != rank - 1)
        {
            // Another axis: the chunk of a view with that axis last, moved back.
            int[] swap = Enumerable.Range(0, rank).Select(d => d == along ? rank - 1 : d == rank - 1 ? along : d).ToArray();
            return builder.Transpose(Lower(builder, builder.Transpose(x, swap), chunks, index, -1, out problem)!.Value, swap);
        }

        int[] keep = Enumerable.Repeat(0, rank - 1).ToArray();
        int split = builder.Reshape(x, keep.Concat(new[] { chunks, -1 }).ToArray()); // [..., chunks, size / chunks]
        int one = builder.Slice(split, rank - 1, index, 1);                             // [..., 1, size / chunks]
        return builder.Reshape(one, keep.Concat(new[] { -1 }).ToArray());              // [..., size / chunks]
    }
}
