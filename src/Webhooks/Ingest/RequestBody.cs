using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Webhooks.Common;

namespace Webhooks.Ingest;

/// <summary>Reads a JSON body within a size limit (refused before reading when Content-Length says so) and a nesting limit.</summary>
public static class RequestBody
{
    public const int MaxDepth = 64;

    public static async Task<(JsonDocument? Json, byte[] Bytes, ProblemDetails? Problem)> ReadJsonAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit) return (null, [], TooLarge(limit));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;

        using var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 4096, limit));
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit) return (null, [], TooLarge(limit));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, [], TooLarge(limit));
        }

        var bytes = buffer.ToArray();
        try
        {
            return (JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxDepth }), bytes, null);
        }
        catch (JsonException e) when (e.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return (null, bytes, new ProblemDetails
            {
                Status = 400, Type = Problems.Type("too-deep"), Title = "The JSON is nested too deeply.",
                Detail = $"JSON may be nested at most {MaxDepth} levels deep.",
            });
        }
        catch (JsonException e)
        {
            return (null, bytes, new ProblemDetails
            {
                Status = 400, Type = Problems.Type("malformed-json"), Title = "The body is not valid JSON.",
                Detail = $"{e.Message} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})",
            });
        }
    }

    private static ProblemDetails TooLarge(int limit) => new()
    {
        Status = 413, Type = Problems.Type("body-too-large"), Title = "The body is too large.",
        Detail = $"The body may have at most {limit} bytes.",
    };
}
