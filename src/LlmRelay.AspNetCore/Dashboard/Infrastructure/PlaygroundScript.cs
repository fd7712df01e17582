namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>The playground's script: calls the gateway's <c>/v1/chat/completions</c> with the pasted key, reads the SSE answer, then asks the dashboard for the call's usage row.</summary>
/// <remarks>
/// The key stays in the browser: it goes only to the relay (as any client sends it), never to a dashboard route. The
/// answer is read from the response stream (<c>fetch</c> and a reader: <c>EventSource</c> cannot POST); the usage row
/// is found by the <c>X-Request-Id</c> the relay answers with.
/// </remarks>
internal static class PlaygroundScript
{
    public const string Source = """
        (function(){
          var f=document.getElementById('pg-form');if(!f){return;}
          var $=function(id){return document.getElementById(id);};
          var out=$('pg-answer'),usage=$('pg-usage'),err=$('pg-error'),send=$('pg-send');
          var fail=function(m){err.textContent=m;err.hidden=false;f.setAttribute('data-state','error');};
          var wait=function(ms){return new Promise(function(ok){setTimeout(ok,ms);});};
          async function showUsage(id,token){
            for(var n=0;n<60;n++){
              var r=await fetch(f.getAttribute('data-usage')+'?request_id='+encodeURIComponent(id)+'&token_id='+encodeURIComponent(token),{credentials:'same-origin'});
              if(r.ok){usage.innerHTML=await r.text();return;}
              if(r.status!==404){usage.textContent=await r.text();return;}
              await wait(250);
            }
            usage.textContent=usage.getAttribute('data-missing');
          }
          f.addEventListener('submit',async function(e){
            e.preventDefault();
            var key=$('pg-key').value.trim(),opt=$('pg-token').selectedOptions[0],hint=opt?opt.getAttribute('data-hint')||'':'';
            out.textContent='';usage.textContent='';err.hidden=true;
            var parts=hint.split('...');
            if(!opt||(parts.length===2&&(key.indexOf(parts[0])!==0||key.slice(-parts[1].length)!==parts[1]))){fail(f.getAttribute('data-wrong-key'));return;}
            send.disabled=true;f.setAttribute('data-state','streaming');
            try{
              var res=await fetch(f.getAttribute('data-endpoint'),{method:'POST',credentials:'omit',
                headers:{'Authorization':'Bearer '+key,'Content-Type':'application/json','Accept':'text/event-stream'},
                body:JSON.stringify({model:$('pg-model').value,stream:true,stream_options:{include_usage:true},messages:[{role:'user',content:$('pg-message').value}]})});
              var id=res.headers.get('X-Request-Id');
              if(!res.ok){var text=await res.text(),m=text;try{m=JSON.parse(text).error.message||text;}catch(x){}throw new Error(res.status+': '+m);}
              var reader=res.body.getReader(),dec=new TextDecoder(),buf='';
              for(;;){
                var chunk=await reader.read();if(chunk.done){break;}
                buf+=dec.decode(chunk.value,{stream:true});
                for(var i=buf.indexOf('\n');i>=0;i=buf.indexOf('\n')){
                  var line=buf.slice(0,i).replace(/\r$/,'');buf=buf.slice(i+1);
                  if(line.indexOf('data:')!==0){continue;}
                  var data=line.slice(5).trim();if(data==='[DONE]'){continue;}
                  var ev=JSON.parse(data);if(ev.error){throw new Error(ev.error.message||data);}
                  var c=ev.choices&&ev.choices[0]&&ev.choices[0].delta&&ev.choices[0].delta.content;if(c){out.textContent+=c;}
                }
              }
              f.setAttribute('data-state','done');
              if(id){await showUsage(id,opt.value);}
            }catch(x){fail(x.message);}
            finally{send.disabled=false;}
          });
        })();
        """;
}
