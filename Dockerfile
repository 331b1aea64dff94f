# Webhooks in a container: build with the .NET 10 SDK, run on the ASP.NET Core runtime as a non-root user.
#   docker build -t webhooks .
#   docker run -p 8080:8080 -e ConnectionStrings__Webhooks="Host=db;Database=webhooks;Username=webhooks;Password=..." webhooks
# The publish step below is the one tests/Webhooks.Tests/PublishTests.cs runs and starts: keep the two in step.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, in a layer of its own, so a code change does not download the packages again.
COPY Directory.Build.props Webhooks.sln ./
COPY src/Webhooks/Webhooks.csproj src/Webhooks/
RUN dotnet restore src/Webhooks/Webhooks.csproj
COPY . .
RUN dotnet publish src/Webhooks -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# Configuration comes from the environment (Webhooks__Delivery__Timeout=...); the database is required here:
# the image has no PostgreSQL binaries for the private cluster that an empty connection string would start.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ConnectionStrings__Webhooks=""
# The image's unprivileged "app" user.
USER $APP_UID
EXPOSE 8080
# The runtime image has no curl or wget: the app itself asks /healthz and exits 0 or 1 (Common/HealthProbe.cs).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["dotnet", "/app/Webhooks.dll", "healthcheck", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["dotnet", "/app/Webhooks.dll"]
