using System.Text;
using Webhooks.Client.Receiving;

namespace Webhooks.Tests.Client;

public sealed class WebhookVerifierTests
{
    // The Standard Webhooks specification's test vector.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = """{"test": 2432232314}""";
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
    private static readonly byte[] BodyBytes = Encoding.UTF8.GetBytes(Body);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static WebhookVerifier At(DateTimeOffset now, params string[] secrets) => new(secrets.Length == 0 ? [Secret] : secrets, timeProvider: new FixedTime(now));

    [Fact]
    public void The_specification_test_vector_signs_and_verifies()
    {
        Assert.Equal(Signature, WebhookVerifier.Sign(Secret, Id, Timestamp, BodyBytes));
        Assert.Equal(SignedAt, At(SignedAt).Verify(Id, Timestamp.ToString(), Signature, BodyBytes));
        Assert.Equal(SignedAt, At(SignedAt, Secret["whsec_".Length..]).Verify(Id, Timestamp.ToString(), Signature, BodyBytes));
    }

    [Theory]
    [InlineData(Id, """{"test": 2432232315}""", Signature)]
    [InlineData("msg_other", Body, Signature)]
    [InlineData(Id, Body, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=")]
    [InlineData(Id, Body, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData(Id, Body, "v1,not base64")]
    [InlineData(Id, Body, "")]
    [InlineData("", Body, Signature)]
    public void A_changed_body_id_or_signature_is_refused(string id, string body, string signature) =>
        Assert.Throws<WebhookVerificationException>(() => At(SignedAt).Verify(id, Timestamp.ToString(), signature, Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void A_signature_made_with_another_secret_is_refused()
    {
        var other = "whsec_" + Convert.ToBase64String(new byte[32]);
        Assert.Throws<WebhookVerificationException>(() => At(SignedAt, other).Verify(Id, Timestamp.ToString(), Signature, BodyBytes));
    }

    [Theory]
    [InlineData(-301, false)]
    [InlineData(-299, true)]
    [InlineData(299, true)]
    [InlineData(301, false)]
    public void The_timestamp_must_be_within_the_tolerance_of_now_either_way(int secondsFromNow, bool accepted)
    {
        var verifier = At(SignedAt.AddSeconds(-secondsFromNow));
        if (accepted) verifier.Verify(Id, Timestamp.ToString(), Signature, BodyBytes);
        else Assert.Throws<WebhookVerificationException>(() => verifier.Verify(Id, Timestamp.ToString(), Signature, BodyBytes));
    }

    [Fact]
    public void A_timestamp_that_is_not_unix_seconds_is_refused()
    {
        Assert.Throws<WebhookVerificationException>(() => At(SignedAt).Verify(Id, "2021-02-25T15:02:10Z", Signature, BodyBytes));
        Assert.Throws<WebhookVerificationException>(() => At(SignedAt).Verify(Id, "99999999999999999999", Signature, BodyBytes));
    }

    [Fact]
    public void During_a_rotation_any_one_of_several_signatures_and_any_one_of_several_secrets_is_enough()
    {
        var newSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var both = $"{WebhookVerifier.Sign(newSecret, Id, Timestamp, BodyBytes)} {Signature}";

        At(SignedAt, Secret).Verify(Id, Timestamp.ToString(), both, BodyBytes);
        At(SignedAt, newSecret).Verify(Id, Timestamp.ToString(), both, BodyBytes);
        At(SignedAt, newSecret, Secret).Verify(Id, Timestamp.ToString(), Signature, BodyBytes);
        Assert.Throws<WebhookVerificationException>(() => At(SignedAt, newSecret).Verify(Id, Timestamp.ToString(), Signature, BodyBytes));
    }

    [Fact]
    public void A_secret_that_is_not_base64_is_refused_when_the_verifier_is_made()
    {
        Assert.Throws<ArgumentException>(() => new WebhookVerifier("whsec_!!!"));
        Assert.Throws<ArgumentException>(() => new WebhookVerifier(Array.Empty<string>()));
    }
}
