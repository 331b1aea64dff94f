using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Webhooks.Common;

namespace Webhooks.Ingest;

/// <summary>A request's JSON body, parsed in a pooled buffer that goes back to the pool when this is disposed.</summary>
public sealed class JsonBody(JsonDocument document, byte[] buffer, int length) : IDisposable
{
    public JsonElement Root => document.RootElement;
    public ReadOnlySpan<byte> Bytes => buffer.AsSpan(0, length);

    public void Dispose()
    {
        document.Dispose();
        ArrayPool<byte>.Shared.Return(buffer);
    }
}

/// <summary>
/// Reads a JSON body within a size limit (refused before reading when Content-Length says so) and a nesting
/// limit; a body that could mean two things (<see cref="StrictJson"/>) is malformed.
/// </summary>
public static class RequestBody
{
    public const int MaxDepth = 64;

    public static async Task<(JsonBody? Body, ProblemDetails? Problem)> ReadJsonAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) return (null, TooLarge(limit));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;

        // One byte more than the limit allows, so a body over it is seen without reading all of it.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1);
        var length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted)) > 0)
            {
                length += read;
                if (length > limit) return Fail(buffer, TooLarge(limit));
                if (length == buffer.Length) buffer = Grow(buffer, Math.Min(buffer.Length * 2L, limit + 1L));
            }
            // Bytes, numbers and escapes first: the parser reads member names while it looks for duplicates.
            if (StrictJson.Check(buffer.AsSpan(0, length)) is { } ambiguous) return Fail(buffer, Malformed(ambiguous));
            return (new JsonBody(JsonDocument.Parse(buffer.AsMemory(0, length), StrictJson.DocumentOptions(MaxDepth)), buffer, length), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Fail(buffer, TooLarge(limit));
        }
        catch (JsonException e) when (e.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return Fail(buffer, new ProblemDetails
            {
                Status = 400, Type = Problems.Type("too-deep"), Title = "The JSON is nested too deeply.",
                Detail = $"JSON may be nested at most {MaxDepth} levels deep.",
            });
        }
        catch (JsonException e)
        {
            return Fail(buffer, Malformed($"{e.Message} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})"));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static byte[] Grow(byte[] buffer, long size)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)size);
        buffer.CopyTo(larger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private static (JsonBody?, ProblemDetails?) Fail(byte[] buffer, ProblemDetails problem)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        return (null, problem);
    }

    private static ProblemDetails Malformed(string detail) => new()
    {
        Status = 400, Type = Problems.Type("malformed-json"), Title = "The body is not valid JSON.", Detail = detail,
    };

    private static ProblemDetails TooLarge(int limit) => new()
    {
        Status = 413, Type = Problems.Type("body-too-large"), Title = "The body is too large.",
        Detail = $"The body may have at most {limit} bytes.",
    };
}
