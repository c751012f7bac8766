import { createServer } from 'node:http';

createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end('<h1>shop</h1>');
}).listen(3000);
