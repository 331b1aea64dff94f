using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Webhooks.Common;
using Webhooks.Data;

namespace Webhooks.Auth;

/// <summary>How a sign-in went; <see cref="SignInResult.WrongAndNowLocked"/> is the wrong password that used up the last allowed check.</summary>
public enum SignInResult { SignedIn, Wrong, WrongAndNowLocked, LockedOut }

/// <summary>
/// The people who sign in to the browser UI. Their cookie carries the same scope and partner claims
/// as an API key, so <see cref="Caller"/> and the policies treat both alike. After
/// <see cref="MaxFailedSignIns"/> wrong passwords in a row the user is locked out for <see cref="LockOutFor"/>;
/// attempts are counted before the password is checked, so parallel guesses cannot get more checks than that.
/// </summary>
public sealed class UiUsers(WebhooksDb db, TimeProvider time)
{
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockOutFor = TimeSpan.FromMinutes(15);
    public const int MinPasswordLength = 10;
    public const string UserIdClaim = "ui_user_id";
    public const string StampClaim = "ui_stamp";
    private static readonly PasswordHasher<UiUser> Hasher = new();

    public async Task<(SignInResult Result, ClaimsPrincipal? Principal)> SignInAsync(string? username, string? password)
    {
        username = username?.Trim() ?? "";
        var now = time.GetUtcNow();
        var user = string.IsNullOrEmpty(password) ? null : await TakeCheckAsync(username, now);
        if (user is null)
        {
            var locked = await db.UiUsers.AnyAsync(u => u.Username == username && u.LockedUntil > now);
            // Spend the time a real check takes, so a wrong name cannot be told apart from a wrong password.
            Hasher.VerifyHashedPassword(new UiUser { Username = "", PasswordHash = "" }, DummyHash, password ?? "");
            return (locked ? SignInResult.LockedOut : SignInResult.Wrong, null);
        }
        var verified = Hasher.VerifyHashedPassword(user, user.PasswordHash, password!);
        if (verified == PasswordVerificationResult.Failed)
            return (user.LockedUntil is null ? SignInResult.Wrong : SignInResult.WrongAndNowLocked, null);
        var hash = verified == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user, password!) : user.PasswordHash;
        await db.UiUsers.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.FailedSignIns, 0).SetProperty(x => x.LockedUntil, (DateTimeOffset?)null).SetProperty(x => x.PasswordHash, hash));
        user.PasswordHash = hash;
        return (SignInResult.SignedIn, Principal(user));
    }

    /// <summary>
    /// Counts a sign-in attempt before its password is checked, in one statement: of any number of parallel guesses
    /// at one user, at most <see cref="MaxFailedSignIns"/> get a check before the user is locked (the one that takes
    /// the last allowed check sets the lock). A successful check lifts it again. Null when the user is unknown or locked.
    /// </summary>
    private async Task<UiUser?> TakeCheckAsync(string username, DateTimeOffset now)
    {
        var lockedUntil = now + LockOutFor;
        var taken = await db.UiUsers.FromSql($"""
            UPDATE ui_users
            SET failed_sign_ins = (CASE WHEN locked_until IS NULL THEN failed_sign_ins ELSE 0 END) + 1,
                locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_sign_ins ELSE 0 END) + 1 >= {MaxFailedSignIns}
                                    THEN {lockedUntil} END
            WHERE username = {username} AND (locked_until IS NULL OR locked_until <= {now})
            RETURNING *
            """).AsNoTracking().ToListAsync();
        return taken.FirstOrDefault();
    }

    /// <summary>False when the cookie's user was removed or changed password since it signed in.</summary>
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal)
    {
        if (!Guid.TryParse(principal.FindFirstValue(UserIdClaim), out var id)) return false;
        var hash = await db.UiUsers.Where(u => u.Id == id).Select(u => u.PasswordHash).FirstOrDefaultAsync();
        return hash is not null && Stamp(hash) == principal.FindFirstValue(StampClaim);
    }

    public async Task<Outcome<ClaimsPrincipal>> ChangePasswordAsync(ClaimsPrincipal principal, string? current, string? next, string? repeat)
    {
        if (!Guid.TryParse(principal.FindFirstValue(UserIdClaim), out var id)) return Failure.NotFound("Your user");
        var user = await db.UiUsers.FirstOrDefaultAsync(u => u.Id == id);
        if (user is null) return Failure.NotFound("Your user");
        if (Hasher.VerifyHashedPassword(user, user.PasswordHash, current ?? "") == PasswordVerificationResult.Failed)
            return Failure.Validation("current", "The current password is not right.");
        if (CheckPassword(next) is { } error) return Failure.Validation("password", error);
        if (next != repeat) return Failure.Validation("repeat", "The two new passwords differ.");
        user.PasswordHash = Hasher.HashPassword(user, next!);
        await db.SaveChangesAsync();
        return Principal(user);
    }

    /// <summary>A new admin (partnerId null) or a partner's user.</summary>
    public async Task<Outcome<UiUser>> CreateAsync(string? username, string? password, Guid? partnerId)
    {
        username = username?.Trim();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(username) || username.Length > 100 || username.Any(char.IsWhiteSpace))
            errors["username"] = ["The user name is required: 1 to 100 characters, no spaces."];
        if (CheckPassword(password) is { } error) errors["password"] = [error];
        if (errors.Count > 0) return Failure.Validation(errors);
        if (partnerId is { } p && !await db.Partners.AnyAsync(x => x.Id == p && x.DeletedAt == null)) return Failure.NotFound("The partner");
        if (await db.UiUsers.AnyAsync(u => u.Username == username)) return Failure.Validation("username", $"The user name '{username}' is taken.");
        var user = new UiUser { Id = Guid.CreateVersion7(), Username = username!, PasswordHash = "", PartnerId = partnerId, CreatedAt = time.GetUtcNow() };
        user.PasswordHash = Hasher.HashPassword(user, password!);
        db.UiUsers.Add(user);
        try { await db.SaveChangesAsync(); }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: "23505" })
        {
            return Failure.Validation("username", $"The user name '{username}' is taken.");
        }
        return user;
    }

    /// <summary>Removes a user (only one of that partner's when partnerId is given); the last admin stays.</summary>
    public async Task<Failure?> RemoveAsync(Guid id, Guid? partnerId, Guid? signedInAs)
    {
        var user = await db.UiUsers.FirstOrDefaultAsync(u => u.Id == id && u.PartnerId == partnerId);
        if (user is null) return Failure.NotFound("The user");
        if (user.Id == signedInAs) return Failure.Conflict("You cannot remove yourself; ask another admin.");
        if (partnerId is null && await db.UiUsers.CountAsync(u => u.PartnerId == null) <= 1)
            return Failure.Conflict("The last admin cannot be removed.");
        db.UiUsers.Remove(user);
        await db.SaveChangesAsync();
        return null;
    }

    /// <summary>Lifts a lock-out before it runs out (only one of that partner's users when partnerId is given).</summary>
    public async Task<Failure?> UnlockAsync(Guid id, Guid? partnerId)
    {
        var unlocked = await db.UiUsers.Where(u => u.Id == id && u.PartnerId == partnerId)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LockedUntil, (DateTimeOffset?)null).SetProperty(x => x.FailedSignIns, 0));
        return unlocked == 0 ? Failure.NotFound("The user") : null;
    }

    public Task<List<UiUser>> ListAsync(Guid? partnerId) =>
        db.UiUsers.AsNoTracking().Where(u => u.PartnerId == partnerId).OrderBy(u => u.Username).ToListAsync();

    private static string? CheckPassword(string? password) =>
        password is null || password.Length < MinPasswordLength || password.Length > 200
            ? $"The password must be {MinPasswordLength} to 200 characters long."
            : null;

    private static ClaimsPrincipal Principal(UiUser user)
    {
        var identity = Caller.Identity(CookieAuthenticationDefaults.AuthenticationScheme, user.Username,
            [user.PartnerId is null ? Scopes.Admin : Scopes.Partner], user.PartnerId, apiKeyId: null);
        identity.AddClaim(new Claim(UserIdClaim, user.Id.ToString()));
        identity.AddClaim(new Claim(StampClaim, Stamp(user.PasswordHash)));
        return new ClaimsPrincipal(identity);
    }

    private static string Stamp(string passwordHash) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)))[..16];

    private static readonly string DummyHash = Hasher.HashPassword(new UiUser { Username = "", PasswordHash = "" }, "not a password");
}
