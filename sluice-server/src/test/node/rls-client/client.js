// An independent client of Envoy's rate limit service: it knows nothing of Sluice's Java code, and
// loads the project's .proto files at run time. Usage:
//   node client.js PORT REQUEST_JSON
// prints the response (proto field names, enums as names, durations as {seconds, nanos}) as one
// line of JSON, or {"error": CODE_NAME, "details": ...} when the call fails.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..', 'sluice-envoy', 'src', 'main', 'proto');
const definition = protoLoader.loadSync('envoy/service/ratelimit/v3/rls.proto', {
  includeDirs: [protoRoot],
  keepCase: true,
  enums: String,
  longs: String,
  defaults: true,
});
const rls = grpc.loadPackageDefinition(definition).envoy.service.ratelimit.v3;

const [port, requestJson] = process.argv.slice(2);
const client = new rls.RateLimitService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
const deadline = new Date(Date.now() + 10000);
client.ShouldRateLimit(JSON.parse(requestJson), { deadline }, (error, response) => {
  if (error) {
    const name = Object.keys(grpc.status).find((key) => grpc.status[key] === error.code);
    console.log(JSON.stringify({ error: name, details: error.details }));
  } else {
    console.log(JSON.stringify(response));
  }
  client.close();
});
