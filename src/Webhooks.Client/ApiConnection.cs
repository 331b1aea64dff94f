using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Webhooks.Client;

/// <summary>Sends one call with the API key and reads its JSON answer, or throws the service's problem details.</summary>
internal sealed class ApiConnection(HttpClient http, Uri baseAddress, string apiKey)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Uri _base = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var response = await SendAsync(method, path, body, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, body, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<WebhooksProblemException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        HttpValidationProblemDetails? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try { problem = JsonSerializer.Deserialize<HttpValidationProblemDetails>(body, Json); }
            catch (JsonException) { }
        }
        return new WebhooksProblemException(response.StatusCode, problem, body);
    }

    /// <summary>A query string of the values that are set, escaped.</summary>
    public static string Query(params (string Name, object? Value)[] values)
    {
        var set = values.Where(v => v.Value is not null).Select(v => $"{v.Name}={Uri.EscapeDataString(Format(v.Value!))}").ToList();
        return set.Count == 0 ? "" : "?" + string.Join("&", set);
    }

    private static string Format(object value) => value switch
    {
        DateTimeOffset time => time.ToString("O"),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };
}
