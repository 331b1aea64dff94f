namespace Webhooks.Tests.Infrastructure;

/// <summary>The bootstrap credentials every test app (and the benchmark's app) starts with.</summary>
public static class TestCredentials
{
    public const string AdminKey = "whk_test-admin-key-0123456789";
    public const string AdminPassword = "test-admin-password";
}
