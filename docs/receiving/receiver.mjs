// A webhook receiver in Node.js with the Standard Webhooks reference library: verifies the signature and the
// timestamp (5 minutes either way), skips repeats by webhook-id and answers 204 at once.
// Run: npm install standardwebhooks@1.1.1, then WEBHOOK_SECRET=whsec_... PORT=4000 node receiver.mjs
import http from "node:http";
import { Webhook } from "standardwebhooks";

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
const seen = new Set(); // keep these in your database in production
const port = Number(process.env.PORT ?? 4000);

http
  .createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8"); // the raw body: the signature covers it byte for byte
      let event;
      try {
        if (request.method !== "POST" || request.url !== "/webhooks") throw new Error("not a webhook");
        event = webhook.verify(body, request.headers); // the parsed body: {type, timestamp, data}
      } catch {
        console.log("rejected");
        response.writeHead(400).end();
        return;
      }
      const id = request.headers["webhook-id"];
      if (seen.has(id)) {
        console.log(`duplicate ${id}`);
      } else {
        seen.add(id);
        console.log(`verified ${id}`); // hand event.type and event.data to your own queue here
      }
      response.writeHead(204).end();
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}/webhooks`));
