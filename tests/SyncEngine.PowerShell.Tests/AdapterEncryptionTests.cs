using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using SyncEngine.PowerShell.Commands;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

/// <summary>-Encrypt with a SecureString password (the module's netstandard2.0 Core): plaintext plans, wrong password, the password kept out of the pair.</summary>
public class AdapterEncryptionTests
{
    private const string Secret = "Crypt-9f3a&SyncEngine-secret";

    private static System.Security.SecureString Secure(string s) => new NetworkCredential("", s).SecurePassword;

    [Fact]
    public void An_encrypted_destination_plans_plaintext_paths_and_stores_ciphertext()
    {
        using var tp = new AdapterTestPair();
        File.WriteAllText(Path.Combine(tp.Source, "plain-name.txt"), "hello");
        var pair = new PairSpec(tp.Source, tp.Destination) { Encrypt = true, CryptPassword = Secure(Secret), CompressionLevel = 3, StatePath = tp.StateDir }.Build();
        Assert.True(PairCredentials.IsEncrypted(pair));
        Assert.DoesNotContain(Secret, pair.DestinationOptions?.ToString() ?? "", StringComparison.Ordinal);

        using (var session = PairCredentials.OpenSession(pair))
        {
            var plan = session.Plan();
            Assert.Equal("plain-name.txt", Assert.Single(plan.Actions).RelativePath);
            var exec = session.BeginExecute(plan.Actions);
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.Equal(1, exec.Wait().Succeeded);
        }

        var stored = Directory.EnumerateFiles(tp.Destination, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(tp.Destination, f)).ToList();
        Assert.DoesNotContain(stored, f => f.Contains("plain-name", StringComparison.Ordinal));
        Assert.Contains(stored, f => f.Replace('\\', '/') == ".syncengine/crypt-check.bin");

        var wrong = new PairSpec(tp.Source, tp.Destination) { Encrypt = true, CryptPassword = Secure("wrong"), StatePath = tp.StateDir }.Build();
        var ex = Assert.Throws<SyncEngineException>(() => PairCredentials.Plan(wrong, new PlanOptions(), CancellationToken.None));
        Assert.Equal("SyncCryptWrongKey", ex.ErrorId);
        Assert.DoesNotContain("wrong", ex.Message.Replace("wrong password", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Encryption_options_without_Encrypt_or_without_a_password_are_refused()
    {
        using var tp = new AdapterTestPair();
        Assert.Equal("SyncCryptOptionWithoutEncrypt", Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, tp.Destination) { CryptPassword = Secure("x") }.Build()).ErrorId);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SYNCENGINE_CRYPT_PASSWORD")))
        {
            Assert.Equal("SyncCryptPasswordMissing", Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, tp.Destination) { Encrypt = true }.Build()).ErrorId);
        }
    }
}
