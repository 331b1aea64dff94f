using System.Text;
using Webhooks.Delivery;

namespace Webhooks.Tests.Delivery;

public sealed class SigningTests
{
    [Fact]
    public void The_Standard_Webhooks_test_vector_signs_as_the_specification_says()
    {
        var signature = WebhookSigner.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, Encoding.UTF8.GetBytes("{\"test\": 2432232314}"),
            ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void During_a_rotation_each_secret_adds_its_own_signature_separated_by_a_space()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var first = Webhooks.Subscriptions.SigningSecrets.Generate();
        var second = Webhooks.Subscriptions.SigningSecrets.Generate();
        var signature = WebhookSigner.Sign("id", 1, body, [first, second]);
        Assert.Equal([WebhookSigner.Sign("id", 1, body, [first]), WebhookSigner.Sign("id", 1, body, [second])], signature.Split(' '));
    }

    [Fact]
    public void The_body_carries_the_payload_text_exactly_as_posted()
    {
        var body = WebhookMessage.Body("order.placed", new DateTimeOffset(2026, 11, 22, 8, 30, 0, TimeSpan.Zero), "{\"b\": 1.50, \"a\":[ ]}");
        Assert.Equal("{\"type\":\"order.placed\",\"timestamp\":\"2026-11-22T08:30:00Z\",\"data\":{\"b\": 1.50, \"a\":[ ]}}", Encoding.UTF8.GetString(body));
    }
}
